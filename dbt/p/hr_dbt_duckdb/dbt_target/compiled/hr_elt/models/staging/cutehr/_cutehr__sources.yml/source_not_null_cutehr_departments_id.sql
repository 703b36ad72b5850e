
    
    



select id
from "w"."cutehr"."departments"
where id is null


