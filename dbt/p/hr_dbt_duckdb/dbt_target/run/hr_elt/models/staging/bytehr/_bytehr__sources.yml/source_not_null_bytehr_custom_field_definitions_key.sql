
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select key
from "w"."bytehr"."custom_field_definitions"
where key is null



  
  
      
    ) dbt_internal_test