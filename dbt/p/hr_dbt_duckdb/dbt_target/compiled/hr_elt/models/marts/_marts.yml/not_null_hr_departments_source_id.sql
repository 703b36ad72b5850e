
    
    



select source_id
from "w"."hr_unified"."hr_departments"
where source_id is null


