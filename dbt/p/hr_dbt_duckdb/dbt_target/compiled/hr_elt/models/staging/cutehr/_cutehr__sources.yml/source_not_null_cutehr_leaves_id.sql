
    
    



select id
from "w"."cutehr"."leaves"
where id is null


