
    
    



select id
from "w"."cutehr"."employees"
where id is null


