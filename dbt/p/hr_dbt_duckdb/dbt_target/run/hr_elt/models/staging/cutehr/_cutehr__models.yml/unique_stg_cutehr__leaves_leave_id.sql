
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
    
    

select
    leave_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_cutehr__leaves"
where leave_id is not null
group by leave_id
having count(*) > 1



  
  
      
    ) dbt_internal_test