
    
    



select id
from "w"."hollyhr"."people"
where id is null


