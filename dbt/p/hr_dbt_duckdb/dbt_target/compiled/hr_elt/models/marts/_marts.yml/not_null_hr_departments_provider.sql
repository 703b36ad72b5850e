
    
    



select provider
from "w"."hr_unified"."hr_departments"
where provider is null


