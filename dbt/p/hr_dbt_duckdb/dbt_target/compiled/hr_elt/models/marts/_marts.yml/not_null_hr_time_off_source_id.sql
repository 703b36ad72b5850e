
    
    



select source_id
from "w"."hr_unified"."hr_time_off"
where source_id is null


