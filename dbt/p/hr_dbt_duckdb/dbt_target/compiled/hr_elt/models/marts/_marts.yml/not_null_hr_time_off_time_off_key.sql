
    
    



select time_off_key
from "w"."hr_unified"."hr_time_off"
where time_off_key is null


