
    
    



select id
from "w"."cutehr"."attendance"
where id is null


