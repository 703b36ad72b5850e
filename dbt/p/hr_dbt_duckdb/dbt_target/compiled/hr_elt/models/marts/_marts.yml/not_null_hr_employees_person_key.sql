
    
    



select person_key
from "w"."hr_unified"."hr_employees"
where person_key is null


