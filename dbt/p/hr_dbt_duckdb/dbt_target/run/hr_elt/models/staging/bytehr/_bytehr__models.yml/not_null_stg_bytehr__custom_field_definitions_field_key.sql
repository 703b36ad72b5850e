
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select field_key
from "w"."hr_unified_staging"."stg_bytehr__custom_field_definitions"
where field_key is null



  
  
      
    ) dbt_internal_test