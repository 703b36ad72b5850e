
    
    



select person_id
from "w"."hr_unified_staging"."stg_hollyhr__employments"
where person_id is null


