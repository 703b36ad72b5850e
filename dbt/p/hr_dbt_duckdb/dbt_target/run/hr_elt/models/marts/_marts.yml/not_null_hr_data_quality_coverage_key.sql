
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select coverage_key
from "w"."hr_unified"."hr_data_quality"
where coverage_key is null



  
  
      
    ) dbt_internal_test