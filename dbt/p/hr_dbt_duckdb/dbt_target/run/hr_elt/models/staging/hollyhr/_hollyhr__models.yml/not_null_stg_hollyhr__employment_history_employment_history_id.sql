
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select employment_history_id
from "w"."hr_unified_staging"."stg_hollyhr__employment_history"
where employment_history_id is null



  
  
      
    ) dbt_internal_test