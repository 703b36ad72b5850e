
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select non_null_rows
from "w"."hr_unified"."hr_data_quality"
where non_null_rows is null



  
  
      
    ) dbt_internal_test