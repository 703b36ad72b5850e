
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select time_off_key
from "w"."hr_unified"."hr_time_off"
where time_off_key is null



  
  
      
    ) dbt_internal_test