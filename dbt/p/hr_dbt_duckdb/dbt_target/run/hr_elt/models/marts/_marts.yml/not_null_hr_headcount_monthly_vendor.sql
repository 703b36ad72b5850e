
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select vendor
from "w"."hr_unified"."hr_headcount_monthly"
where vendor is null



  
  
      
    ) dbt_internal_test