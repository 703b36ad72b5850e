
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    



select attendance_id
from "w"."hr_unified_staging"."stg_cutehr__attendance"
where attendance_id is null



  
  
      
    ) dbt_internal_test