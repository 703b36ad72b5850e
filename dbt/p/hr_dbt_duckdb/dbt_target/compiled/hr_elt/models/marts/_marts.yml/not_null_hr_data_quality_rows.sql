
    
    



select rows
from "w"."hr_unified"."hr_data_quality"
where rows is null


