
    
    



select present_rows
from "w"."hr_unified"."hr_data_quality"
where present_rows is null


