
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  -- A time-off request never ends before it starts.

select time_off_key, start_date, end_date
from "w"."hr_unified"."hr_time_off"
where end_date < start_date
  
  
      
    ) dbt_internal_test