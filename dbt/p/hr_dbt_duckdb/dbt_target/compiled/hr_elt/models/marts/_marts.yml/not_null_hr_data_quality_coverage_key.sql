
    
    



select coverage_key
from "w"."hr_unified"."hr_data_quality"
where coverage_key is null


