
    
    



select person_id
from "w"."hollyhr"."employments"
where person_id is null


