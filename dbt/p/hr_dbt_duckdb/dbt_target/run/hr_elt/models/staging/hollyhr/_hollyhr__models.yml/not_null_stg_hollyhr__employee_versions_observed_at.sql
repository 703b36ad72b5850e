
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select observed_at
from "w"."hr_unified_staging"."stg_hollyhr__employee_versions"
where observed_at is null



  
  
      
    ) dbt_internal_test