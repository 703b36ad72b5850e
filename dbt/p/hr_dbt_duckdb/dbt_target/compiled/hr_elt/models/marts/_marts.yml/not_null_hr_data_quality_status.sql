
    
    



select status
from "w"."hr_unified"."hr_data_quality"
where status is null


