
    
    



select leave_type
from "w"."hr_unified"."hr_time_off"
where leave_type is null


