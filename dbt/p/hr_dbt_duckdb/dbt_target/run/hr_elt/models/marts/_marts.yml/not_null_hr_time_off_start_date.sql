
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select start_date
from "w"."hr_unified"."hr_time_off"
where start_date is null



  
  
      
    ) dbt_internal_test