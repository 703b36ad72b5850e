
    
    



select status
from "w"."hr_unified"."hr_time_off"
where status is null


