
    
    

select
    employee_id as unique_field,
    count(*) as n_records

from "w"."hr_unified_staging"."stg_bytehr__employees"
where employee_id is not null
group by employee_id
having count(*) > 1


