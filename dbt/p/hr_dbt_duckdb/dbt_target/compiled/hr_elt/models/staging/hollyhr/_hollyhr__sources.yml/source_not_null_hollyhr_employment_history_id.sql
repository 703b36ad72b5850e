
    
    



select id
from "w"."hollyhr"."employment_history"
where id is null


