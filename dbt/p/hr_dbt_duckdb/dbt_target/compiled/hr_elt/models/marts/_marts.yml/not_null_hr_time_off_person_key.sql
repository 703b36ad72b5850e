
    
    



select person_key
from "w"."hr_unified"."hr_time_off"
where person_key is null


