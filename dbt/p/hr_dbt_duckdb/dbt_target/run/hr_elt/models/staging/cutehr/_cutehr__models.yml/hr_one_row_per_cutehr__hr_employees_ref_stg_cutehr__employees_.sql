
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select conformed.n as conformed_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified_staging"."cutehr__hr_employees") as conformed
cross join (select count(*) as n from "w"."hr_unified_staging"."stg_cutehr__employees") as staged
where conformed.n <> staged.n

  
  
      
    ) dbt_internal_test