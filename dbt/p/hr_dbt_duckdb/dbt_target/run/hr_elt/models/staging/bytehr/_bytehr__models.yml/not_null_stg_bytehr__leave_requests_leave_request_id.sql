
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select leave_request_id
from "w"."hr_unified_staging"."stg_bytehr__leave_requests"
where leave_request_id is null



  
  
      
    ) dbt_internal_test