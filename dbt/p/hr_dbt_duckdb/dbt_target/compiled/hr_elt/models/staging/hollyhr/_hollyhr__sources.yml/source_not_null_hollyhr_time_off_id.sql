
    
    



select id
from "w"."hollyhr"."time_off"
where id is null


