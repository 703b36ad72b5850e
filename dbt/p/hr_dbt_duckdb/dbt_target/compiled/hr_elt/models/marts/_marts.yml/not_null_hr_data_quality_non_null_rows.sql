
    
    



select non_null_rows
from "w"."hr_unified"."hr_data_quality"
where non_null_rows is null


