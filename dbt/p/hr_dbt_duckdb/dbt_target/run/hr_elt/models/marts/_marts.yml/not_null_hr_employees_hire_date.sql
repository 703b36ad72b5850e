
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select hire_date
from "w"."hr_unified"."hr_employees"
where hire_date is null



  
  
      
    ) dbt_internal_test