
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select time_off_id
from "w"."hr_unified_staging"."stg_hollyhr__time_off"
where time_off_id is null



  
  
      
    ) dbt_internal_test