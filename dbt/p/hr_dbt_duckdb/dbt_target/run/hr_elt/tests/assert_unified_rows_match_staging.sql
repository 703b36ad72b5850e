
    
    select
      count(*) as failures,
      count(*) != 0 as should_warn,
      count(*) != 0 as should_error
    from (
      
    
  -- Each mart has exactly one row per row of each vendor's conformed staging model, under that
-- vendor's provider (the conformed models' own hr_one_row_per tests tie them to the vendor
-- records). Returns the (model, provider) pairs whose counts differ.


  
    
  
    
  
    
  
    
  
    
  
    
  
    
  

  
    
  
    
  
    
  
    
  
    
  

  
    
  
    
  
    
  
    
  
    
  



select 'hr_employees' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_employees" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_employees") as staged
where unified.n <> staged.n
union all

select 'hr_departments' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_departments" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_departments") as staged
where unified.n <> staged.n
union all

select 'hr_time_off' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_time_off" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_time_off") as staged
where unified.n <> staged.n
union all

select 'hr_custom_fields' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_custom_fields" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_custom_fields") as staged
where unified.n <> staged.n
union all

select 'hr_data_quality' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_data_quality" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_data_quality") as staged
where unified.n <> staged.n
union all

select 'hr_employment_history' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_employment_history" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_employment_history") as staged
where unified.n <> staged.n
union all

select 'hr_custom_field_history' as model, 'bytehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_custom_field_history" where provider = 'bytehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."bytehr__hr_custom_field_history") as staged
where unified.n <> staged.n
union all

select 'hr_employees' as model, 'cutehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_employees" where provider = 'cutehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."cutehr__hr_employees") as staged
where unified.n <> staged.n
union all

select 'hr_departments' as model, 'cutehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_departments" where provider = 'cutehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."cutehr__hr_departments") as staged
where unified.n <> staged.n
union all

select 'hr_time_off' as model, 'cutehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_time_off" where provider = 'cutehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."cutehr__hr_time_off") as staged
where unified.n <> staged.n
union all

select 'hr_data_quality' as model, 'cutehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_data_quality" where provider = 'cutehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."cutehr__hr_data_quality") as staged
where unified.n <> staged.n
union all

select 'hr_employment_history' as model, 'cutehr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_employment_history" where provider = 'cutehr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."cutehr__hr_employment_history") as staged
where unified.n <> staged.n
union all

select 'hr_employees' as model, 'hollyhr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_employees" where provider = 'hollyhr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."hollyhr__hr_employees") as staged
where unified.n <> staged.n
union all

select 'hr_departments' as model, 'hollyhr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_departments" where provider = 'hollyhr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."hollyhr__hr_departments") as staged
where unified.n <> staged.n
union all

select 'hr_time_off' as model, 'hollyhr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_time_off" where provider = 'hollyhr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."hollyhr__hr_time_off") as staged
where unified.n <> staged.n
union all

select 'hr_data_quality' as model, 'hollyhr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_data_quality" where provider = 'hollyhr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."hollyhr__hr_data_quality") as staged
where unified.n <> staged.n
union all

select 'hr_employment_history' as model, 'hollyhr' as provider, unified.n as unified_rows, staged.n as staged_rows
from (select count(*) as n from "w"."hr_unified"."hr_employment_history" where provider = 'hollyhr') as unified
cross join (select count(*) as n from "w"."hr_unified_staging"."hollyhr__hr_employment_history") as staged
where unified.n <> staged.n


  
  
      
    ) dbt_internal_test