
    
    



select provider
from "w"."hr_unified"."hr_time_off"
where provider is null


