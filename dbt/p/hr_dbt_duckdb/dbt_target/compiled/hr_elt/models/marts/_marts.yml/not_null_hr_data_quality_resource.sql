
    
    



select resource
from "w"."hr_unified"."hr_data_quality"
where resource is null


