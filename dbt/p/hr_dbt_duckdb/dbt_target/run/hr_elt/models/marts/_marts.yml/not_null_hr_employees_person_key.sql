
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select person_key
from "w"."hr_unified"."hr_employees"
where person_key is null



  
  
      
    ) dbt_internal_test