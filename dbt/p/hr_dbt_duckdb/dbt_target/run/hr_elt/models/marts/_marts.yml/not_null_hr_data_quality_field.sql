
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select field
from "w"."hr_unified"."hr_data_quality"
where field is null



  
  
      
    ) dbt_internal_test