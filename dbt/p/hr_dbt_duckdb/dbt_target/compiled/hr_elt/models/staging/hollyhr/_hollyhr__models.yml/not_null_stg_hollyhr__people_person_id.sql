
    
    



select person_id
from "w"."hr_unified_staging"."stg_hollyhr__people"
where person_id is null


