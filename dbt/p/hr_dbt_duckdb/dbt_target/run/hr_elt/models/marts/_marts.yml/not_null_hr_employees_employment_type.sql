
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select employment_type
from "w"."hr_unified"."hr_employees"
where employment_type is null



  
  
      
    ) dbt_internal_test