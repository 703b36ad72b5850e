
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select department_key
from "w"."hr_unified"."hr_departments"
where department_key is null



  
  
      
    ) dbt_internal_test