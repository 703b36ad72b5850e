
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select person_id
from "w"."hr_unified_staging"."stg_hollyhr__people"
where person_id is null



  
  
      
    ) dbt_internal_test