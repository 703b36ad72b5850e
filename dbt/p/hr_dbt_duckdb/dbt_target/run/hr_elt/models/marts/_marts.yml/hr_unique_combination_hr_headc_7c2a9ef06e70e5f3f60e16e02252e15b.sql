
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  
select vendor, tenant, department, date, count(*) as n
from "w"."hr_unified"."hr_headcount_daily"
group by vendor, tenant, department, date
having count(*) > 1

  
  
      
    ) dbt_internal_test