
    
    



select provider
from "w"."hr_unified"."hr_data_quality"
where provider is null


