
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select present_rows
from "w"."hr_unified"."hr_data_quality"
where present_rows is null



  
  
      
    ) dbt_internal_test