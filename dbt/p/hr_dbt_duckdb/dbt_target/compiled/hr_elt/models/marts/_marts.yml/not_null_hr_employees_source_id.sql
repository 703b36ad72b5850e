
    
    



select source_id
from "w"."hr_unified"."hr_employees"
where source_id is null


