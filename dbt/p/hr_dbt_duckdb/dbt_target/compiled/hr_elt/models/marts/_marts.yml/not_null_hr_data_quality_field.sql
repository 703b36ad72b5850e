
    
    



select field
from "w"."hr_unified"."hr_data_quality"
where field is null


