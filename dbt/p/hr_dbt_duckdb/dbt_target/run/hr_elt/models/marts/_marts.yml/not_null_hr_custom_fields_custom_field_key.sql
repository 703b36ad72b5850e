
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select custom_field_key
from "w"."hr_unified"."hr_custom_fields"
where custom_field_key is null



  
  
      
    ) dbt_internal_test