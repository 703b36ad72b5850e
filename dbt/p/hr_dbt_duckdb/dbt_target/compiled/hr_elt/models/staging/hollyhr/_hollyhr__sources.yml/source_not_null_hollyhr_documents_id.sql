
    
    



select id
from "w"."hollyhr"."documents"
where id is null


