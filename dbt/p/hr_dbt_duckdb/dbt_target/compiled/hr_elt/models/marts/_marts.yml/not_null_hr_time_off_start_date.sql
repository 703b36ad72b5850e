
    
    



select start_date
from "w"."hr_unified"."hr_time_off"
where start_date is null


